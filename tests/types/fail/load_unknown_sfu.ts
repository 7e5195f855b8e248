import { load } from 'rtcroom';
// SFU rooms are Janus rooms: the SFU build is loaded for `sfu: 'janus'`.
void load({ sfu: 'livekit' }); // ERROR TS2322
