/** An error as S3 answers it: the HTTP status and the XML document with its code and message. */
export interface S3Refusal {
  status: number;
  code: string;
  message: string;
}

/** S3's XML error document. */
export function s3ErrorXml(refusal: S3Refusal, requestId: string): string {
  // Text content: quotes stay as they are, as in S3's own messages.
  const escapeXml = (text: string) => text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${escapeXml(refusal.message)}</Message><RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`;
}
