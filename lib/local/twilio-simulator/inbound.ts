/** Inbound messages the simulator posts to the app's webhook, as Twilio would. */
import type { HostedMediaInput } from './media.ts';

export interface InboundMessageInput {
  from: string;
  to: string;
  body: string;
  mediaUrls?: string[];
  /** Media the simulator hosts (Twilio-style URL, basic auth, a redirect to the content). */
  media?: HostedMediaInput[];
}

export const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  pdf: 'application/pdf',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  txt: 'text/plain',
  vcf: 'text/vcard',
};

export function guessContentType(mediaUrl: string): string {
  let pathname = mediaUrl;
  try {
    pathname = new URL(mediaUrl).pathname;
  } catch {
    // Not an absolute URL: guess from the string as given.
  }
  const extension = /\.([A-Za-z0-9]+)$/.exec(pathname)?.[1]?.toLowerCase();
  return (extension && CONTENT_TYPES[extension]) || 'image/jpeg';
}
