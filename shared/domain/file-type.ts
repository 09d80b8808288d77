/**
 * The file type a rule compares: the lower-case extension without the dot, or "" when the
 * name has none. A leading dot alone (".env") names a hidden file, not an extension.
 */
export function fileTypeOf(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return '';
  return base.slice(dot + 1).toLowerCase();
}
