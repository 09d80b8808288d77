import { smsSize } from '../../shared/domain/sms-segments.ts';

/** A message as it will be sent, with its SMS segment count and encoding. */
export function SmsPreview({ body, note, testId = 'segments' }: { body: string; note?: string; testId?: string }) {
  const size = smsSize(body);
  return (
    <div className="preview" aria-live="polite">
      <strong>Preview</strong>
      <p className="bubble">{body}</p>
      <p className="muted" data-testid={testId}>
        {size.segments} segment{size.segments === 1 ? '' : 's'} · {size.encoding} · {size.units} {size.encoding === 'GSM-7' ? 'septets' : 'UTF-16 units'}
        {note ?? ''}
      </p>
    </div>
  );
}
