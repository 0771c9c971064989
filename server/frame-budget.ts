import type { WebSocket } from 'ws';
import { CLOSE_FRAME_RATE } from '../protocol/v1.ts';

/**
 * Per-socket fairness: a socket may send `budget` frames per `windowMs`.
 * The frame past the budget closes it with 1008; frames after that are
 * not handled (handlers check readyState), and a peer that keeps sending
 * instead of answering the close is cut off after `graceMs`. Attach before
 * any handler's 'message' listener, so the close comes first.
 */
export function limitFrameRate(socket: WebSocket, budget: number, windowMs: number, graceMs = 1_000): void {
  let windowStart = performance.now();
  let frames = 0;
  socket.on('message', () => {
    if (socket.readyState !== socket.OPEN) return;
    const now = performance.now();
    if (now - windowStart >= windowMs) {
      windowStart = now;
      frames = 0;
    }
    if (++frames <= budget) return;
    socket.close(CLOSE_FRAME_RATE.code, CLOSE_FRAME_RATE.reason);
    const cutOff = setTimeout(() => socket.terminate(), graceMs);
    cutOff.unref();
    socket.once('close', () => clearTimeout(cutOff));
  });
}
