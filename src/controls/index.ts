export * from './battery-controls.js';
export * from './battery-settings.js';
