/** The settings server's HTTP plumbing: strict security headers on every answer, bounded JSON bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a route answers: a status and a JSON body. */
export interface Reply {
  status: number;
  json: unknown;
}

const MAX_BODY = 64 * 1024;

/** A request the server refuses with `status` and a message fit for the page. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The body as a JSON object (at most 64 KiB). */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'Request too large.');
    chunks.push(chunk);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'The request was not understood.');
}

/** No caching, no framing, no sniffing, no referrer; scripts and styles only with the response's nonce. */
export function securityHeaders(res: ServerResponse, nonce?: string): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  const scripts = nonce ? `'nonce-${nonce}'` : "'none'";
  res.setHeader(
    'Content-Security-Policy',
    `default-src 'none'; script-src ${scripts}; style-src ${scripts}; img-src data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
  );
}

export function send(res: ServerResponse, status: number, body: string, type: string, nonce?: string): void {
  securityHeaders(res, nonce);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export const sendJson = (res: ServerResponse, status: number, v: unknown): void => send(res, status, JSON.stringify(v), 'application/json; charset=utf-8');
export const sendText = (res: ServerResponse, status: number, text: string): void => send(res, status, text, 'text/plain; charset=utf-8');
