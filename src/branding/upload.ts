// X9: reads a multipart/form-data body (busboy) into memory with hard limits: one file of at most
// `maxFileBytes`, a few short fields. Whatever breaks a limit or the format is a clear 4xx.
import busboy from 'busboy';
import type { Context } from 'koa';
import { HttpError } from '../http/errors.ts';

export interface Upload {
  fields: Record<string, string>;
  /** The uploaded file, when one was chosen (an empty file input sends zero bytes). */
  file?: Uint8Array;
}

export function readUpload(ctx: Context, fileField: string, maxFileBytes: number): Promise<Upload> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: ctx.req.headers,
      limits: { files: 1, fileSize: maxFileBytes, fields: 10, fieldSize: 1_000, parts: 12 },
    });
  } catch {
    return Promise.reject(new HttpError(400, 'error.bad_request')); // not multipart, no boundary
  }
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let failure: HttpError | undefined;
    const fail = (e: HttpError) => {
      failure ??= e;
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new HttpError(400, 'error.bad_request'));
      fields[name] = value;
    });
    parser.on('file', (name, stream) => {
      if (name !== fileField) fail(new HttpError(400, 'error.bad_request'));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(new HttpError(413, 'branding.too_large', { kb: maxFileBytes / 1024 })));
    });
    for (const event of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) {
      parser.on(event, () => fail(new HttpError(400, 'error.bad_request')));
    }
    parser.on('error', () => reject(new HttpError(400, 'error.bad_request')));
    parser.on('close', () => {
      if (failure) return reject(failure);
      const file = Buffer.concat(chunks);
      resolve({ fields, ...(file.length > 0 ? { file: new Uint8Array(file) } : {}) });
    });
    ctx.req.pipe(parser);
  });
}
