// limitBandwidth's direction is 'both', 'in' or 'out'.
import type { Net } from 'rtcroom/playwright';

export function f(net: Net) {
  net.limitBandwidth(1, { rate: '1mbit', direction: 'up' }); // ERROR TS2322
}
