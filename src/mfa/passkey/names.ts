// W1: a new passkey's default name — the authenticator's model from its AAGUID where we know it
// (a few common ones, from the community list passkeydeveloper/passkey-authenticator-aaguids),
// else "Passkey N". The person may rename it.
const KNOWN_AAGUIDS: Record<string, string> = {
  'fbfc3007-154e-4ecc-8c0b-6e020557d7bd': 'iCloud Keychain',
  'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4': 'Google Password Manager',
  'adce0002-35bc-c60a-648b-0b25f1f05503': 'Chrome on Mac',
  '08987058-cadc-4b81-b6e1-30de50dcbe96': 'Windows Hello',
  '9ddd1817-af5a-4672-a2b9-3e3dd95000a9': 'Windows Hello',
  '6028b017-b1d4-4c02-b4b3-afcdafc96bb2': 'Windows Hello',
  'bada5566-a7aa-401f-bd96-45619a55120d': '1Password',
  'd548826e-79b4-db40-a3d8-11116f7e8349': 'Bitwarden',
};

export const MAX_NAME_LENGTH = 64;

/** The default name of the user's next passkey (`taken`: the names they already have). */
export function defaultPasskeyName(aaguid: string, taken: string[]): string {
  const known = KNOWN_AAGUIDS[aaguid.toLowerCase()];
  if (known && !taken.includes(known)) return known;
  for (let n = taken.length + 1; ; n++) {
    const name = known ? `${known} ${n}` : `Passkey ${n}`;
    if (!taken.includes(name)) return name;
  }
}

/** A name the person typed: trimmed, NFC, no control characters; undefined when empty or too long. */
export function cleanPasskeyName(input: string): string | undefined {
  const name = input
    .normalize('NFC')
    .replace(/\p{Cc}/gu, '')
    .trim();
  return name.length > 0 && name.length <= MAX_NAME_LENGTH ? name : undefined;
}
