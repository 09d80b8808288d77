import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { twilioCredentials } from './adapters/twilio-credentials.ts';
import { isValidTwilioSignature } from './adapters/twilio-signature.ts';
import { configParts, readConfig } from './config.ts';
import { ForbiddenError } from './errors.ts';
import { httpErrors, rawBody, type HttpResult } from './http.ts';

export type FormParams = Record<string, string | string[]>;

export interface TwilioRequest {
  params: FormParams;
  query: URLSearchParams;
  event: APIGatewayProxyEventV2;
}

/** A form body as Twilio sends it; a repeated key keeps every value. */
export function parseForm(body: string): FormParams {
  const params: FormParams = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

/** The single value of a form field. */
export const field = (params: FormParams, name: string): string | undefined => {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
};

/** An empty TwiML document: "received, nothing to say". */
export const twiml = (inner = ''): HttpResult => ({
  statusCode: 200,
  headers: { 'content-type': 'text/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`,
});

/**
 * Wraps a Twilio webhook: the request must carry Twilio's signature over the configured
 * public URL (base URL, path and query exactly as given to Twilio) and the form parameters.
 * Anything else is a 403 before the handler runs, so a forged request changes nothing.
 */
export function twilioWebhook(fn: (req: TwilioRequest) => Promise<HttpResult>) {
  const baseUrl = readConfig(configParts.publicBaseUrl).PUBLIC_BASE_URL.replace(/\/+$/, '');
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(httpHeaderNormalizer())
    .use(httpErrors())
    .handler(async (event) => {
      const params = parseForm(rawBody(event));
      const url = `${baseUrl}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
      const { authToken } = await twilioCredentials();
      if (!isValidTwilioSignature(authToken, event.headers['x-twilio-signature'], url, params)) {
        throw new ForbiddenError('The X-Twilio-Signature header is missing or does not match this request.');
      }
      return fn({ params, query: new URLSearchParams(event.rawQueryString ?? ''), event });
    });
}
