export { EventBus, eventMatcher, type EngineEvent, type EventListener, type EventType } from './event-bus.js';
