import { ForbiddenError, ValidationError } from '../errors.ts';
import type { NotificationMaintenance, OptOutRepository } from '../ports.ts';
import { suppressPendingTo } from './inbound-message.ts';

/**
 * The number a path names, in E.164; a 400 when it is not a phone number. `normalise` is `toE164`
 * where the number is written (it must be valid), `e164Form` where it is only looked up.
 */
export function phoneParam(raw: string, normalise: (raw: string) => string | undefined): string {
  const phone = normalise(raw);
  if (!phone)
    throw new ValidationError('phone must be a phone number in E.164 form, such as +14155550100 (encode + as %2B).', [
      { field: 'phone', message: 'Not a phone number.' },
    ]);
  return phone;
}

/** A number's consent as GET /opt-outs/{phone} shows it: whether it is opted out, and every change, oldest first. */
export async function optOutStatus(optOuts: OptOutRepository, phone: string) {
  const [current, history] = await Promise.all([optOuts.get(phone), optOuts.history(phone)]);
  return {
    phone,
    optedOut: current !== undefined,
    history: history.map((h) => ({ action: h.action, source: h.source === 'twilio-21610' ? 'twilio_21610' : h.source, at: h.at })),
  };
}

/**
 * Opts a number out on a user's word (the recipient asked them another way): it is recorded with
 * source `api`, and the number's scheduled and pending sends, from every user, end as they do on
 * a STOP. Opting back in is the recipient's own act (START), so the API refuses it.
 */
export async function optOutByApi(
  deps: { optOuts: OptOutRepository; notifications: NotificationMaintenance },
  phone: string,
  optedOut: boolean,
  now: () => Date = () => new Date(),
) {
  if (!optedOut) throw new ForbiddenError('Only the recipient can opt back in, by texting START to the sending number.');
  await deps.optOuts.add({ phone, source: 'api', at: now().toISOString() });
  await suppressPendingTo(deps.notifications, phone, now);
  return optOutStatus(deps.optOuts, phone);
}
