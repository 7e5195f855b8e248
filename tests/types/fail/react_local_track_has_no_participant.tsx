import { useTracks } from 'rtcroom/react';
export function useNames(): string[] {
  return useTracks({ source: 'camera' }).map((t) => (t.local ? t.participant.id : t.participant.id)); // ERROR TS18047
}
