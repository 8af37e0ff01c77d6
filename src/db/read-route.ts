import type { EntityManager } from '@mikro-orm/knex';
import { GraphQLError } from 'graphql';
import type { AuthState } from '../auth/identity';
import { withTimeout } from '../services/shared/time-limit';
import type { WriteFence } from '../services/shared/write-fence';
import type { Replica, ReplicaSet } from './replicas';

/**
 * A read on a replica that has not answered by then is answered from the primary instead (a
 * replica that hangs rather than refusing: its status check then marks it down). Browsing reads
 * take milliseconds; this only bounds how long a hung replica can hold a request.
 */
export const REPLICA_READ_TIMEOUT_MS = 5000;

/** A read-only piece of work on one database's EntityManager. */
export type ReadWork<T> = (em: EntityManager) => Promise<T>;

/**
 * Where one request's replica-eligible reads go (`ctx.reads`; README "Scaling out"). Only the
 * browsing paths opt in (the listing, product pages, order lists and their loaders); everything
 * else reads through `ctx.em`/`ctx.reader`, on the primary. A route holds at most one replica, so
 * every read of a request sees one consistent point of the data.
 */
export class ReadRoute {
  private replicaFork: EntityManager | undefined;

  constructor(
    private readonly primary: { root: () => EntityManager; fork: () => EntityManager },
    private replica: Replica | null = null,
    private readonly set: ReplicaSet | null = null,
  ) {}

  /** Whether the request's reads still go to a replica. */
  get onReplica(): boolean {
    return this.replica !== null;
  }

  /** Plain SQL outside transactions (db/sql.ts): the replica's root EntityManager, or the primary's. */
  sql<T>(work: ReadWork<T>): Promise<T> {
    return this.run(work, (replica) => replica.orm.em, this.primary.root);
  }

  /** Entity reads: a fork on the replica (one per request), or the request's own fork on the primary. */
  entities<T>(work: ReadWork<T>): Promise<T> {
    return this.run(work, (replica) => (this.replicaFork ??= replica.orm.em.fork()), this.primary.fork);
  }

  /**
   * Runs `work` on the replica. A GraphQLError (such as a NOT_FOUND) is the API's answer from the
   * replica's point of the data, within the lag bound like any other, and is returned as it is:
   * nothing of the operation goes to the primary for it. Only an infrastructure failure (the
   * replica refused, dropped the connection or did not answer in REPLICA_READ_TIMEOUT_MS) runs
   * `work` again on the primary (a read has no side effects), sends the rest of the request there
   * and takes the replica out of rotation until its next check: never an error to the client for
   * a replica's fault. That one case may mix in one operation what earlier fields read on the
   * replica with what later ones read on the primary (README "Scaling out").
   */
  private async run<T>(work: ReadWork<T>, onReplica: (replica: Replica) => EntityManager, onPrimary: () => EntityManager): Promise<T> {
    const replica = this.replica;
    if (!replica || !this.set) return work(onPrimary());
    try {
      return await withTimeout(
        work(onReplica(replica)),
        REPLICA_READ_TIMEOUT_MS,
        `no answer from the replica in ${REPLICA_READ_TIMEOUT_MS} ms`,
      );
    } catch (err) {
      if (err instanceof GraphQLError) throw err;
      this.set.reportFailure(replica, err);
      this.replica = null;
      return work(onPrimary());
    }
  }
}

/** How the pipeline names an account in the write fence. */
const accountOf = (auth: AuthState): string | null =>
  auth.kind === 'authenticated' ? `${auth.identity.role}:${auth.identity.accountId}` : null;

/**
 * The app's replica routing: which replica a browsing request reads from, and the per-account
 * write fence that keeps a writer's own reads on the primary (services/shared/write-fence.ts).
 */
export class ReadRouter {
  constructor(
    readonly replicas: ReplicaSet,
    private readonly fence: WriteFence,
  ) {}

  /**
   * The replica for a request that only browses, or null (the primary): none is healthy, or the
   * caller wrote within the fence. Anonymous callers have written nothing a fence could cover:
   * their reads are never fenced.
   */
  async replicaFor(auth: AuthState): Promise<Replica | null> {
    const replica = this.replicas.pick();
    if (!replica) return null;
    const account = accountOf(auth);
    if (account && (await this.fence.isFenced(account))) return null;
    return replica;
  }

  /** The caller is writing, or has just written: fence its reads (no-op for anonymous callers). */
  async wrote(auth: AuthState): Promise<void> {
    const account = accountOf(auth);
    if (account) await this.fence.mark(account);
  }
}
