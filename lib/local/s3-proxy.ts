import { request, type IncomingMessage, type ServerResponse } from 'node:http';

/** Where the local front hands S3 requests to the embedded S3: the handlers' S3 endpoint is `<front>/local/s3`. */
export const S3_PROXY_PREFIX = '/local/s3';

/**
 * Streams a request under /local/s3 to the embedded S3 and its answer back. The handlers' S3
 * endpoint points here, so the presigned upload and download URLs they hand out are on the
 * front's own origin: a browser at http://localhost:<PORT>/ uploads to them with progress
 * events without the CORS the embedded S3 does not speak (the deployed bucket has CORS rules).
 */
export function proxyToS3(s3Endpoint: string, req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(s3Endpoint);
  const path = (req.url ?? '/').slice(S3_PROXY_PREFIX.length) || '/';
  const headers = { ...req.headers, host: target.host };
  const upstream = request(
    { hostname: target.hostname, port: target.port, method: req.method, path, headers },
    (answer: IncomingMessage) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/xml' });
    res.end('<Error><Code>BadGateway</Code><Message>The embedded S3 did not answer.</Message></Error>');
  });
  req.pipe(upstream);
}
