/** `create-upload` → `CreateUpload`, for construct ids. */
export function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());
}
