import type { Room } from 'rtcroom';
declare const room: Room;
void room.publishScreen({ preset: 'video' }); // ERROR TS2322
