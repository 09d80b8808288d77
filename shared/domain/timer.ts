/**
 * How far ahead of its due time a send's timer comes back. SQS delays are whole seconds, rounded
 * up so that a timer is never early, which makes it up to a second late; coming back this much
 * sooner gives the sender's own path to Twilio (reads, claim, rate slot) a head start. The sender
 * looks at the clock again right before Twilio, so a timer back early never sends early.
 */
export const TIMER_LEAD_MS = 50;

/** The whole seconds a timer queued at `now` waits for a send due at `due`: 0 when it is due within the lead. */
export function timerDelaySeconds(due: number, now: number): number {
  return Math.max(0, Math.ceil((due - TIMER_LEAD_MS - now) / 1000));
}
