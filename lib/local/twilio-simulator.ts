/**
 * The Twilio simulator of the local runtime; its parts live in ./twilio-simulator/ by concern:
 * simulator.ts (the REST API and message progress), message.ts (stored message and REST resource),
 * rejections.ts (sends Twilio refuses), faults.ts (fault injection), callbacks.ts (signed requests
 * to the app), inbound.ts (inbound messages), responses.ts (HTTP answers).
 */
export { type FaultConfig, FaultConfigError, faultConfigSchema } from './twilio-simulator/faults.ts';
export type { InboundMessageInput } from './twilio-simulator/inbound.ts';
export type { LocalMessageItem, SimulatedMessage, SimulatedMessageStatus } from './twilio-simulator/message.ts';
export { type SimulatorLogger, TwilioSimulator, type TwilioSimulatorOptions } from './twilio-simulator/simulator.ts';
