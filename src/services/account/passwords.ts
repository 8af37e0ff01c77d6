import argon2 from 'argon2';

/** argon2id hashing. Verifying against a dummy hash for unknown emails keeps both answers equally slow. */
export class PasswordHasher {
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly options: { memoryCost: number; timeCost: number }) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, {
      type: argon2.argon2id,
      memoryCost: this.options.memoryCost,
      timeCost: this.options.timeCost,
      parallelism: 1,
    });
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    if (hash === null) {
      this.dummyHash ??= this.hash('not-a-real-password-just-timing');
      await argon2.verify(await this.dummyHash, password);
      return false;
    }
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }
}
