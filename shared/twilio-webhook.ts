import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { statusCallbackRef } from './schemas/status-callback-url.ts';
import { twilioCredentials } from './adapters/twilio-credentials.ts';
import { isValidTwilioBodySignature, isValidTwilioSignature } from './adapters/twilio-signature.ts';
import { configParts, readConfig } from './config.ts';
import { ForbiddenError, ValidationError } from './errors.ts';
import type { CorrelationKeys } from './logger.ts';
import { metricNames } from './metric-names.ts';
import { countMetric } from './metrics.ts';
import { httpErrors, logged, rawBody, type HttpResult } from './http.ts';

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

/** A JSON body's top-level fields as form-like parameters: scalars as strings, arrays as lists. */
function parseJsonParams(body: string): FormParams {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ValidationError('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ValidationError('The request body must be a JSON object.');
  }
  const asString = (value: unknown) => (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
  const params: FormParams = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (value === null || value === undefined) continue;
    params[key] = Array.isArray(value) ? value.map(asString) : asString(value);
  }
  return params;
}

/**
 * The single value of a form field. A repeated key is refused (400): Twilio's signature covers
 * the sorted values of a key, so `A=x&A=y` and `A=y&A=x` carry the same signature, and a handler
 * that read the first would let a captured request be replayed with its values swapped.
 */
export const field = (params: FormParams, name: string): string | undefined => {
  const value = params[name];
  if (Array.isArray(value)) throw new ValidationError(`The form field ${name} appears more than once; send it once.`);
  return value;
};

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** A TwiML document; with no reply it says "received, nothing to say". */
export const twiml = (reply?: string): HttpResult => ({
  statusCode: 200,
  headers: { 'content-type': 'text/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?><Response>${reply === undefined ? '' : `<Message>${escapeXml(reply)}</Message>`}</Response>`,
});

const isJson = (contentType: string | undefined) => /^application\/([\w.+-]+\+)?json\b/i.test(contentType ?? '');

/**
 * The base of the URL Twilio called: the function's own Function URL when the request came
 * through one (AWS names that domain in the request context, whatever the Host header says),
 * else the configured public URL of the API.
 */
export function calledBaseUrl(event: APIGatewayProxyEventV2, publicBaseUrl: string, region = process.env.AWS_REGION): string {
  const domain = event.requestContext?.domainName;
  if (region && domain?.endsWith(`.lambda-url.${region}.on.aws`)) return `https://${domain}`;
  return publicBaseUrl;
}

/**
 * Wraps a Twilio webhook: the request must carry Twilio's signature over the URL it was sent to
 * (`calledBaseUrl`, then the raw path and raw query exactly as received, never the Host header)
 * and the body: the form parameters, repeated keys included, or, for a JSON body, the
 * `bodySHA256` in the URL. Anything else is a 403 before the handler runs, so a forged
 * request changes nothing.
 */
export function twilioWebhook(fn: (req: TwilioRequest) => Promise<HttpResult>) {
  const baseUrl = readConfig(configParts.publicBaseUrl).PUBLIC_BASE_URL.replace(/\/+$/, '');
  const webhook = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(httpHeaderNormalizer())
    .use(httpErrors())
    .handler(async (event) => {
      const body = rawBody(event);
      const query = new URLSearchParams(event.rawQueryString ?? '');
      const url = `${calledBaseUrl(event, baseUrl)}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
      const signature = event.headers['x-twilio-signature'];
      const { authToken } = await twilioCredentials();
      // A body Twilio did not send as a form is covered only through bodySHA256; without it the
      // signature would cover the URL alone, and any body could ride on a captured one.
      const bodyHashed = query.has('bodySHA256');
      const valid = bodyHashed
        ? isValidTwilioBodySignature(authToken, signature, url, body)
        : !isJson(event.headers['content-type']) && isValidTwilioSignature(authToken, signature, url, parseForm(body));
      if (!valid) countMetric(metricNames.signatureFailures);
      if (!valid) throw new ForbiddenError('The X-Twilio-Signature header is missing or does not match this request.');
      const params = bodyHashed && isJson(event.headers['content-type']) ? parseJsonParams(body) : parseForm(body);
      return fn({ params, query, event });
    });
  return logged(webhook, correlationOfWebhook);
}

/**
 * The correlation keys of a Twilio request: the message's or call's SID from the body, and the
 * notification a status callback's URL names (`n`). Read before the signature check, for the
 * log lines only.
 */
export function correlationOfWebhook(event: APIGatewayProxyEventV2): CorrelationKeys {
  let params: FormParams = {};
  try {
    params = isJson(event.headers?.['content-type']) ? parseJsonParams(rawBody(event)) : parseForm(rawBody(event));
  } catch {
    // A body that does not parse is refused by the handler; its lines carry no keys.
  }
  const query = new URLSearchParams(event.rawQueryString ?? '');
  return {
    notificationId: statusCallbackRef(query)?.notificationId,
    messageSid: field(params, 'MessageSid') ?? field(params, 'SmsSid'),
    callSid: field(params, 'CallSid'),
  };
}
