/** The export shape of SPEC §5: one JSON object per profile. */
import type { Member, Profile } from '../../functions/ports/profile-store.ts';

export function exportLine(profile: Profile, members: Member[]) {
  return { profileId: profile.profileId, phone: profile.phone, phones: profile.phones, members };
}
