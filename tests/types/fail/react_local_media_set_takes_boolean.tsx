import { useLocalMedia } from 'rtcroom/react';
export function useOn(): Promise<void> {
  return useLocalMedia().camera.set('on'); // ERROR TS2345
}
