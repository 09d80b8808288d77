import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { phoneMetadataFile, phoneMetadataSource } from '../lib/phone-metadata.ts';

// Writes the phone numbers' metadata (shared/generated/phone-metadata.ts) from the installed libphonenumber-js.
const path = join(dirname(fileURLToPath(import.meta.url)), '..', phoneMetadataFile);
writeFileSync(path, phoneMetadataSource());
process.stdout.write(`wrote ${phoneMetadataFile}\n`);
