import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { twilioBodySignature, twilioSignature } from '../../shared/adapters/twilio-signature.ts';
import { setMetricSink, type MetricSink } from '../../shared/metrics.ts';
import { correlationOfWebhook, field, twilioWebhook, twiml, type TwilioRequest } from '../../shared/twilio-webhook.ts';

const token = 'webhook0test0token';

beforeAll(() => {
  delete process.env.TWILIO_SECRET_ID;
  process.env.TWILIO_ACCOUNT_SID = `AC${'0'.repeat(32)}`;
  process.env.TWILIO_AUTH_TOKEN = token;
});

/** The webhook wrapper as deployed behind `baseUrl`, recording what reaches the handler. */
function webhookAt(baseUrl: string) {
  process.env.PUBLIC_BASE_URL = baseUrl;
  const seen: TwilioRequest[] = [];
  const handler = twilioWebhook(async (req) => {
    seen.push(req);
    return twiml();
  });
  const invoke = async (event: APIGatewayProxyEventV2) => (await handler(event, {} as Context)) as APIGatewayProxyStructuredResultV2;
  return { invoke, seen };
}

function event(input: {
  path: string;
  query?: string;
  body: string;
  headers: Record<string, string>;
  base64?: boolean;
  domainName?: string;
}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `POST ${input.path}`,
    rawPath: input.path,
    rawQueryString: input.query ?? '',
    headers: input.headers,
    requestContext: { http: { method: 'POST', path: input.path }, domainName: input.domainName } as APIGatewayProxyEventV2['requestContext'],
    body: input.base64 ? Buffer.from(input.body).toString('base64') : input.body,
    isBase64Encoded: Boolean(input.base64),
  };
}

const form = (params: Array<[string, string]>) => new URLSearchParams(params).toString();
const paramsOf = (pairs: Array<[string, string]>) => {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) out[k] = k in out ? [out[k]!, v].flat() : v;
  return out;
};

const callback: Array<[string, string]> = [
  ['MessageSid', 'SM0123'],
  ['MessageStatus', 'delivered'],
  ['AccountSid', `AC${'0'.repeat(32)}`],
];

describe('twilioWebhook', () => {
  it('passes a form signed over the configured URL, repeated keys and all, to the handler', async () => {
    const { invoke, seen } = webhookAt('https://api.example.com');
    const pairs: Array<[string, string]> = [...callback, ['MediaUrl', 'https://m.example/1.jpg'], ['MediaUrl', 'https://m.example/2.jpg']];
    const signature = twilioSignature(token, 'https://api.example.com/twilio/status?u=alice&n=n1', paramsOf(pairs));
    const response = await invoke(
      event({
        path: '/twilio/status',
        query: 'u=alice&n=n1',
        body: form(pairs),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(seen[0]!.params).toEqual({
      MessageSid: 'SM0123',
      MessageStatus: 'delivered',
      AccountSid: `AC${'0'.repeat(32)}`,
      MediaUrl: ['https://m.example/1.jpg', 'https://m.example/2.jpg'],
    });
    expect(seen[0]!.query.get('n')).toBe('n1');
  });

  it('takes the URL from configuration, never from the Host header', async () => {
    const { invoke, seen } = webhookAt('https://api.example.com');
    const headers = (signedUrl: string) => ({
      host: 'attacker.example',
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(token, signedUrl, paramsOf(callback)),
    });
    const forHost = await invoke(event({ path: '/twilio/status', body: form(callback), headers: headers('https://attacker.example/twilio/status') }));
    expect(forHost.statusCode).toBe(403);
    const forConfig = await invoke(event({ path: '/twilio/status', body: form(callback), headers: headers('https://api.example.com/twilio/status') }));
    expect(forConfig.statusCode).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('checks a request that came through the function’s own Function URL against that URL, as AWS names it', async () => {
    const { invoke, seen } = webhookAt('https://api.example.com');
    const region = process.env.AWS_REGION;
    process.env.AWS_REGION = 'us-east-1';
    try {
      const fnDomain = 'abc123xyz.lambda-url.us-east-1.on.aws';
      const signedFor = (url: string) => ({
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(token, url, paramsOf(callback)),
      });
      const viaUrl = { path: '/twilio/status', query: 'u=alice&n=n1', body: form(callback), domainName: fnDomain };
      expect((await invoke(event({ ...viaUrl, headers: signedFor(`https://${fnDomain}/twilio/status?u=alice&n=n1`) }))).statusCode).toBe(200);
      // Signed for the API's URL, it was not what Twilio called: refused.
      expect((await invoke(event({ ...viaUrl, headers: signedFor('https://api.example.com/twilio/status?u=alice&n=n1') }))).statusCode).toBe(403);
      // Any other domain in the request context (an API's, a custom one) means the configured URL.
      const viaApi = { ...viaUrl, domainName: 'abc.execute-api.us-east-1.amazonaws.com' };
      expect(
        (await invoke(event({ ...viaApi, headers: signedFor(`https://abc.execute-api.us-east-1.amazonaws.com/twilio/status?u=alice&n=n1`) }))).statusCode,
      ).toBe(403);
      expect((await invoke(event({ ...viaApi, headers: signedFor('https://api.example.com/twilio/status?u=alice&n=n1') }))).statusCode).toBe(200);
      expect(seen).toHaveLength(2);
    } finally {
      if (region === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = region;
    }
  });

  it('signs the raw query string exactly as received', async () => {
    const { invoke } = webhookAt('https://api.example.com');
    const query = 'u=alice%40example.com&n=01HZ-R1';
    const signature = twilioSignature(token, `https://api.example.com/twilio/status?${query}`, paramsOf(callback));
    const send = (q: string) =>
      invoke(
        event({
          path: '/twilio/status',
          query: q,
          body: form(callback),
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        }),
      );
    expect((await send(query)).statusCode).toBe(200);
    expect((await send('n=01HZ-R1&u=alice%40example.com')).statusCode).toBe(403);
  });

  it.each([
    ['https://api.example.com', 'https://api.example.com:443'],
    ['https://api.example.com:443', 'https://api.example.com'],
    ['http://localhost', 'http://localhost:80'],
    ['http://localhost:80', 'http://localhost'],
  ])('accepts a request for %s signed over %s', async (configured, signedAs) => {
    const { invoke } = webhookAt(configured);
    const signature = twilioSignature(token, `${signedAs}/twilio/incoming`, paramsOf(callback));
    const response = await invoke(
      event({
        path: '/twilio/incoming',
        body: form(callback),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      }),
    );
    expect(response.statusCode).toBe(200);
  });

  it('answers 403 without reaching the handler when the signature is missing, wrong or for another form', async () => {
    const { invoke, seen } = webhookAt('https://api.example.com');
    const url = 'https://api.example.com/twilio/status';
    const headers = (signature?: string) => ({
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
    });
    const cases = [
      headers(),
      headers(''),
      headers('not-a-signature'),
      headers(twilioSignature('another-token', url, paramsOf(callback))),
      headers(twilioSignature(token, url, { ...paramsOf(callback), MessageStatus: 'failed' })),
    ];
    for (const h of cases) {
      const response = await invoke(event({ path: '/twilio/status', body: form(callback), headers: h }));
      expect(response.statusCode).toBe(403);
      expect(JSON.parse(response.body!)).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
    expect(seen).toEqual([]);
  });

  it('decodes a base64-encoded body before checking it', async () => {
    const { invoke } = webhookAt('https://api.example.com');
    const signature = twilioSignature(token, 'https://api.example.com/twilio/status', paramsOf(callback));
    const response = await invoke(
      event({
        path: '/twilio/status',
        body: form(callback),
        base64: true,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      }),
    );
    expect(response.statusCode).toBe(200);
  });

  describe('JSON bodies', () => {
    const body = JSON.stringify({ MessageSid: 'SM0123', MessageStatus: 'read', NumSegments: 2, Tags: ['a', 'b'] });

    it('accepts a JSON body whose SHA-256 is in the signed URL, and hands its fields to the handler', async () => {
      const { invoke, seen } = webhookAt('https://api.example.com');
      const signed = twilioBodySignature(token, 'https://api.example.com/twilio/status?u=alice&n=n1', body);
      const query = new URL(signed.url).search.slice(1);
      const response = await invoke(
        event({ path: '/twilio/status', query, body, headers: { 'content-type': 'application/json', 'x-twilio-signature': signed.signature } }),
      );
      expect(response.statusCode).toBe(200);
      expect(seen[0]!.params).toEqual({ MessageSid: 'SM0123', MessageStatus: 'read', NumSegments: '2', Tags: ['a', 'b'] });
    });

    it('answers 403 when the JSON body was changed after signing', async () => {
      const { invoke, seen } = webhookAt('https://api.example.com');
      const signed = twilioBodySignature(token, 'https://api.example.com/twilio/status', body);
      const response = await invoke(
        event({
          path: '/twilio/status',
          query: new URL(signed.url).search.slice(1),
          body: body.replace('read', 'failed'),
          headers: { 'content-type': 'application/json', 'x-twilio-signature': signed.signature },
        }),
      );
      expect(response.statusCode).toBe(403);
      expect(seen).toEqual([]);
    });

    it('answers 403 to a JSON body without bodySHA256, even when the bare URL is signed', async () => {
      const { invoke, seen } = webhookAt('https://api.example.com');
      const signature = twilioSignature(token, 'https://api.example.com/twilio/status', {});
      const response = await invoke(event({ path: '/twilio/status', body, headers: { 'content-type': 'application/json', 'x-twilio-signature': signature } }));
      expect(response.statusCode).toBe(403);
      expect(seen).toEqual([]);
    });

    it('answers 400, after the signature passed, to a signed body that is not a JSON object', async () => {
      const { invoke, seen } = webhookAt('https://api.example.com');
      const signed = twilioBodySignature(token, 'https://api.example.com/twilio/status', '[1,2]');
      const response = await invoke(
        event({
          path: '/twilio/status',
          query: new URL(signed.url).search.slice(1),
          body: '[1,2]',
          headers: { 'content-type': 'application/json', 'x-twilio-signature': signed.signature },
        }),
      );
      expect(response.statusCode).toBe(400);
      expect(seen).toEqual([]);
    });
  });

  it('refuses a repeated key the handler reads, whose values a replay could swap under the same signature', async () => {
    process.env.PUBLIC_BASE_URL = 'https://api.example.com';
    const handler = twilioWebhook(async ({ params }) => twiml(field(params, 'MessageStatus')));
    const pairs: Array<[string, string]> = [
      ['MessageSid', 'SM0123'],
      ['MessageStatus', 'undelivered'],
      ['MessageStatus', 'sent'],
    ];
    const signature = twilioSignature(token, 'https://api.example.com/twilio/status', paramsOf(pairs));
    const response = (await handler(
      event({ path: '/twilio/status', body: form(pairs), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } }),
      {} as Context,
    )) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(String(response.body)).error.message).toContain('MessageStatus appears more than once');
  });

  it('counts each request refused for its signature', async () => {
    const recorded: Parameters<MetricSink>[] = [];
    setMetricSink((...args) => recorded.push(args));
    const { invoke } = webhookAt('https://api.example.com');
    const response = await invoke(
      event({ path: '/twilio/status', body: form(callback), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' } }),
    );
    expect(response.statusCode).toBe(403);
    expect(recorded).toEqual([['WebhookSignatureFailures', 1, 'Count', undefined]]);
  });

  it('finds the correlation keys of a request: the message or call SID, and the notification the callback URL names', () => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    expect(correlationOfWebhook(event({ path: '/twilio/status', query: 'u=alice&n=n1', body: form(callback), headers }))).toEqual({
      notificationId: 'n1',
      messageSid: 'SM0123',
      callSid: undefined,
    });
    const call: Array<[string, string]> = [
      ['CallSid', 'CA0123'],
      ['CallStatus', 'completed'],
    ];
    expect(correlationOfWebhook(event({ path: '/twilio/voice', body: form(call), headers }))).toMatchObject({ callSid: 'CA0123' });
    // A body that does not parse gives no keys; the handler refuses it after the signature check.
    expect(correlationOfWebhook(event({ path: '/twilio/status', body: '{not json', headers: { 'content-type': 'application/json' } }))).toEqual({
      notificationId: undefined,
      messageSid: undefined,
      callSid: undefined,
    });
  });

  it('escapes the TwiML reply', () => {
    expect(twiml('Reply <STOP> & "go"').body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Reply &lt;STOP&gt; &amp; &quot;go&quot;</Message></Response>',
    );
    expect(twiml().body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });
});
