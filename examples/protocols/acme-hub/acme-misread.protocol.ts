/**
 * A profile that misreads the acme hub on purpose: its command rule looks for
 * `{"type":"task"}` where the hub sends `{"type":"job"}`. acme.test.ts runs it
 * to show that such a run is invalid (wire-fit, exit 2), quoting the frame it
 * could not read, rather than failing the hub for commands it never read.
 */
import { defineProtocol } from 'edge-chaos';
import acme from './acme.protocol.ts';

export default defineProtocol({ ...acme, name: 'acme-misread', command: { ...acme.command, match: { type: 'task' } } });
