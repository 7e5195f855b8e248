import { useParticipants } from 'rtcroom/react';
export function useScreens(): number {
  return useParticipants().filter((p) => p.tracks.some((t) => t.kind === 'audio' && t.source === 'screen')).length; // ERROR TS2367
}
