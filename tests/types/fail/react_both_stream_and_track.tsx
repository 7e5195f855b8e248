import { VideoView } from 'rtcroom/react';
declare const stream: MediaStream;
declare const track: MediaStreamTrack;
export const v = <VideoView stream={stream} track={track} />; // ERROR TS2322
