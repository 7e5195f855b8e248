// The socket.io signaling relay that WebRTC tutorials write: `join-room`
// puts the socket in a room and tells the others; `signal {to, data}` is
// relayed with `socket.to(id).emit('signal', {from, data})`. The ack of
// `join-room` returns the members already there, as rtcroom's `welcome`
// does, so the load generator needs no extra round trip.
//
// PORT (default 0: any free port); prints
//   socket.io listening on http://127.0.0.1:PORT
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, {
  // WebSocket only, as the generator speaks (no long-polling upgrade dance).
  transports: ['websocket'],
  serveClient: false,
  cors: { origin: '*' },
});

io.on('connection', (socket) => {
  socket.on('join-room', (room, ack) => {
    const peers = [...(io.sockets.adapter.rooms.get(room) ?? [])];
    socket.join(room);
    socket.to(room).emit('peer-joined', socket.id);
    if (typeof ack === 'function') ack({ id: socket.id, peers });
  });
  socket.on('signal', (msg) => {
    if (!msg || typeof msg.to !== 'string') return;
    socket.to(msg.to).emit('signal', { from: socket.id, data: msg.data });
  });
});

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`socket.io listening on http://127.0.0.1:${http.address().port}`);
});
