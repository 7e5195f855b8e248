import { useRoomSnapshot } from 'rtcroom/react';
export function useStatus(): string {
  return useRoomSnapshot().status; // ERROR TS2339
}
