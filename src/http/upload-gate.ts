import type { Request, RequestHandler, Response } from 'express';
import type { AuthState } from '../auth/identity';
import { Role } from '../entities/role';
import { ErrorCode } from '../schema/errors';

/**
 * Runs before graphqlUploadExpress on `/graphql`: a multipart request (an upload) must come from a
 * signed-in seller, checked from its Authorization header before one byte of its body is read, so
 * nobody else can make the server parse and spool up to 10 x UPLOAD_MAX_FILE_BYTES to temporary
 * files. The only upload operation, addProductImages, is seller-only (DESIGN.md); the resolver still
 * checks ownership. A refusal is a GraphQL-shaped error (401 UNAUTHENTICATED, 403 FORBIDDEN) sent with
 * `Connection: close`, so the client's unread body is dropped with the connection. An admitted
 * request goes on to `uploads` (graphql-upload's middleware), which no other request passes through.
 */
export function uploadGate(deps: {
  /** The request pipeline's authentication (a store that cannot answer throws). */
  authenticate: (authorization: unknown) => Promise<AuthState>;
  /** Reads the multipart body (graphqlUploadExpress). */
  uploads: RequestHandler;
}): RequestHandler {
  // Not async itself: every /graphql request passes here, and only a multipart one has anything to wait for.
  return (req, res, next) => {
    if (!isMultipart(req.headers['content-type'])) return next();
    void gate(req, res, next);
  };

  async function gate(req: Request, res: Response, next: (err?: unknown) => void): Promise<void> {
    try {
      const auth = await deps.authenticate(req.headers.authorization);
      if (auth.kind !== 'authenticated') refuse(res, 401, ErrorCode.UNAUTHENTICATED, 'You must be logged in as a seller to upload files.');
      else if (auth.identity.role !== Role.SELLER) refuse(res, 403, ErrorCode.FORBIDDEN, 'Only sellers may upload files.');
      else return void deps.uploads(req, res, next);
    } catch {
      // Logged by the pipeline.
      refuse(res, 503, ErrorCode.SERVICE_UNAVAILABLE, 'The service is unavailable; try again shortly.');
    }
  }
}

function isMultipart(contentType: string | undefined): boolean {
  return (contentType ?? '').trim().toLowerCase().startsWith('multipart/');
}

function refuse(res: Response, status: number, code: string, message: string): void {
  res.setHeader('Connection', 'close');
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}
