/** HTTP answers of the simulator: Twilio's error body for the REST API, the local error body for /local routes. */
import type { ServerResponse } from 'node:http';

interface TwilioError {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export function sendJson(res: ServerResponse, status: number, payload?: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(payload === undefined ? undefined : JSON.stringify(payload));
}

export function sendTwilioError(res: ServerResponse, error: { code: number; message: string; status: number }, headers: Record<string, string> = {}): void {
  const payload: TwilioError = {
    code: error.code,
    message: error.message,
    more_info: `https://www.twilio.com/docs/errors/${error.code}`,
    status: error.status,
  };
  sendJson(res, error.status, payload, headers);
}

export function sendNotFound(res: ServerResponse, path: string): void {
  sendTwilioError(res, { code: 20404, message: `The requested resource ${path} was not found`, status: 404 });
}

export function sendTwilioMethodNotAllowed(res: ServerResponse): void {
  sendTwilioError(res, { code: 20004, message: 'Method not allowed', status: 405 });
}

export function sendLocalError(res: ServerResponse, status: number, code: string, message: string, details?: unknown): void {
  sendJson(res, status, { error: details === undefined ? { code, message } : { code, message, details } });
}

export function sendMethodNotAllowed(res: ServerResponse): void {
  sendLocalError(res, 405, 'METHOD_NOT_ALLOWED', 'This route does not accept that method.');
}
