import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isValidTwilioBodySignature, isValidTwilioSignature, twilioBodySignature, twilioSignature } from '../../../shared/adapters/twilio-signature.ts';

// twilio-node's own published vector (its README and webhooks spec).
const vector = {
  token: '12345',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
  params: { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' },
  signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
};

describe('Twilio request signatures', () => {
  it("matches twilio-node's published test vector", () => {
    expect(twilioSignature(vector.token, vector.url, vector.params)).toBe(vector.signature);
    expect(isValidTwilioSignature(vector.token, vector.signature, vector.url, vector.params)).toBe(true);
  });

  it('refuses the vector with any parameter, the URL or the token changed, or no signature', () => {
    expect(isValidTwilioSignature(vector.token, vector.signature, vector.url, { ...vector.params, Digits: '1235' })).toBe(false);
    expect(isValidTwilioSignature(vector.token, vector.signature, vector.url, { ...vector.params, Extra: '' })).toBe(false);
    expect(isValidTwilioSignature(vector.token, vector.signature, 'https://mycompany.com/myapp.php?foo=1&bar=3', vector.params)).toBe(false);
    expect(isValidTwilioSignature(vector.token, vector.signature, 'http://mycompany.com/myapp.php?foo=1&bar=2', vector.params)).toBe(false);
    expect(isValidTwilioSignature('54321', vector.signature, vector.url, vector.params)).toBe(false);
    expect(isValidTwilioSignature(vector.token, undefined, vector.url, vector.params)).toBe(false);
    expect(isValidTwilioSignature(vector.token, '', vector.url, vector.params)).toBe(false);
  });

  it('accepts the URL with or without the default port, whichever way Twilio wrote it', () => {
    expect(isValidTwilioSignature(vector.token, vector.signature, 'https://mycompany.com:443/myapp.php?foo=1&bar=2', vector.params)).toBe(true);
    const signedWithPort = twilioSignature(vector.token, 'https://mycompany.com:443/myapp.php?foo=1&bar=2', vector.params);
    expect(isValidTwilioSignature(vector.token, signedWithPort, vector.url, vector.params)).toBe(true);

    const http = 'http://mycompany.com/myapp.php';
    const signedHttp = twilioSignature(vector.token, 'http://mycompany.com:80/myapp.php', vector.params);
    expect(isValidTwilioSignature(vector.token, signedHttp, http, vector.params)).toBe(true);
    // Another port is another URL.
    expect(isValidTwilioSignature(vector.token, signedHttp, 'http://mycompany.com:8080/myapp.php', vector.params)).toBe(false);
  });

  it('signs every value of a repeated form key, so dropping or changing one breaks the signature', () => {
    const params = { MessageSid: 'SM1', MediaUrl: ['https://a.example/1.jpg', 'https://a.example/2.jpg'] };
    const signature = twilioSignature(vector.token, vector.url, params);
    expect(isValidTwilioSignature(vector.token, signature, vector.url, params)).toBe(true);
    expect(isValidTwilioSignature(vector.token, signature, vector.url, { MessageSid: 'SM1', MediaUrl: 'https://a.example/1.jpg' })).toBe(false);
    expect(
      isValidTwilioSignature(vector.token, signature, vector.url, { MessageSid: 'SM1', MediaUrl: ['https://a.example/1.jpg', 'https://a.example/3.jpg'] }),
    ).toBe(false);
  });

  it('checks a JSON body through the bodySHA256 Twilio adds to the URL', () => {
    const body = JSON.stringify({ MessageSid: 'SM1', MessageStatus: 'delivered' });
    const { url, signature } = twilioBodySignature(vector.token, 'https://mycompany.com/twilio/status?u=alice', body);
    expect(url).toBe(`https://mycompany.com/twilio/status?u=alice&bodySHA256=${createHash('sha256').update(body).digest('hex')}`);
    // Twilio signs the URL alone, with no parameters.
    expect(signature).toBe(twilioSignature(vector.token, url, {}));
    expect(isValidTwilioBodySignature(vector.token, signature, url, body)).toBe(true);
    expect(isValidTwilioBodySignature(vector.token, signature, url.replace('https://mycompany.com', 'https://mycompany.com:443'), body)).toBe(true);

    expect(isValidTwilioBodySignature(vector.token, signature, url, body.replace('delivered', 'failed'))).toBe(false);
    expect(isValidTwilioBodySignature(vector.token, signature, url.replace('u=alice', 'u=bob'), body)).toBe(false);
    expect(isValidTwilioBodySignature(vector.token, undefined, url, body)).toBe(false);
    expect(isValidTwilioBodySignature('54321', signature, url, body)).toBe(false);
  });
});
