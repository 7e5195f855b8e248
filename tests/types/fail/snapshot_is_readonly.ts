import type { Room, ParticipantSnapshot } from 'rtcroom';
export function add(room: Room, p: ParticipantSnapshot): void {
  room.snapshot.participants.push(p); // ERROR TS2339
}
