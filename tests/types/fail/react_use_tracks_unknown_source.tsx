import { useTracks } from 'rtcroom/react';
export function useWebcams(): number {
  return useTracks({ source: 'webcam' }).length; // ERROR TS2322
}
