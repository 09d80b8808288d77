import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod/mini';
import { appendJsonLine, loadJsonLines } from './json-lines.ts';

/** One email as the simulator accepted or refused it. */
export interface SimulatedEmail {
  messageId: string | null;
  accepted: boolean;
  from: string;
  to: string[];
  subject: string;
  text: string;
  customArgs: Record<string, string>;
  error: string | null;
  receivedAt: string;
}

const simulatedEmailSchema = z.object({
  messageId: z.nullable(z.string()),
  accepted: z.boolean(),
  from: z.string(),
  to: z.array(z.string()),
  subject: z.string(),
  text: z.string(),
  customArgs: z.record(z.string(), z.string()),
  error: z.nullable(z.string()),
  receivedAt: z.string(),
});

const address = z.object({ email: z.email(), name: z.optional(z.string()) });
const mailSend = z.object({
  personalizations: z
    .array(z.object({ to: z.array(address).check(z.minLength(1)), custom_args: z.optional(z.record(z.string(), z.string())) }))
    .check(z.minLength(1)),
  from: address,
  subject: z.string().check(z.minLength(1)),
  content: z.array(z.object({ type: z.string(), value: z.string().check(z.minLength(1)) })).check(z.minLength(1)),
});

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

/**
 * A stand-in for SendGrid's v3 mail-send API (Twilio's email service), mounted on the local
 * runtime's front: `POST /v3/mail/send` with a Bearer key answers 202 and an X-Message-Id, as
 * SendGrid does; a bad key is a 401, a malformed request a 400 with SendGrid's `errors` list.
 * `GET /local/sendgrid/messages` lists what it received, oldest first; with a `storeFile` the list
 * outlives the process, as the Twilio simulator's does.
 */
export class SendGridSimulator {
  private readonly emails: SimulatedEmail[];

  constructor(
    private readonly apiKey: string,
    private readonly storeFile?: string,
  ) {
    this.emails = storeFile ? loadJsonLines(storeFile, simulatedEmailSchema) : [];
  }

  private save(email: SimulatedEmail): void {
    this.emails.push(email);
    if (this.storeFile) appendJsonLine(this.storeFile, email);
  }

  messages(): SimulatedEmail[] {
    return this.emails.map((e) => ({ ...e }));
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/local/sendgrid/messages' && req.method === 'GET') {
      json(res, 200, { items: this.messages() });
      return true;
    }
    if (path !== '/v3/mail/send') return false;
    if (req.method !== 'POST') {
      json(res, 405, { errors: [{ message: 'Method not allowed' }] });
      return true;
    }
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      json(res, 401, { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked', field: null, help: null }] });
      return true;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      json(res, 400, { errors: [{ message: 'Bad Request', field: null }] });
      return true;
    }
    const result = mailSend.safeParse(parsed);
    const receivedAt = new Date().toISOString();
    if (!result.success) {
      const errors = result.error.issues.map((i) => ({ message: i.message, field: i.path.join('.') }));
      const raw = parsed as Partial<z.infer<typeof mailSend>>;
      this.save({
        messageId: null,
        accepted: false,
        from: raw?.from?.email ?? '',
        to: raw?.personalizations?.flatMap((p) => p.to?.map((t) => t.email) ?? []) ?? [],
        subject: raw?.subject ?? '',
        text: raw?.content?.[0]?.value ?? '',
        customArgs: {},
        error: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        receivedAt,
      });
      json(res, 400, { errors });
      return true;
    }
    const mail = result.data;
    const messageId = randomBytes(16).toString('base64url');
    this.save({
      messageId,
      accepted: true,
      from: mail.from.email,
      to: mail.personalizations.flatMap((p) => p.to.map((t) => t.email)),
      subject: mail.subject,
      text: mail.content.find((c) => c.type === 'text/plain')?.value ?? mail.content[0]!.value,
      customArgs: Object.assign({}, ...mail.personalizations.map((p) => p.custom_args ?? {})),
      error: null,
      receivedAt,
    });
    res.writeHead(202, { 'x-message-id': messageId }).end();
    return true;
  }
}
