/**
 * The English messages: the source of truth for the keys. Every other language is typed against this catalog
 * (src/i18n/de.ts), so a missing key there is a type error, and test/unit/i18n-catalog.test.ts fails on a key the
 * code no longer uses. `{name}` in a text is replaced by t()'s parameter of that name.
 */
export const en = {
  // Tray menu
  'menu.controls': 'Battery control',
  'menu.gridCharging': 'Grid charging',
  'menu.cancel': 'Cancel',
  'menu.publish': 'Publish to MQTT',
  'menu.refresh': 'Refresh now',
  'menu.autostart': 'Start at login',
  'menu.openLog': 'Open log',
  'menu.settings': 'Settings…',
  'menu.quit': 'Quit',
  'menu.demo': 'Demo · ',
  'menu.soc': 'State of charge: {soc}',
  'menu.power': 'Power: {value}',
  'menu.charging': 'Charging {power}',
  'menu.discharging': 'Discharging {power}',
  'menu.standby': 'Standby',
  'menu.locked': 'Locked',
  'menu.solar': 'Solar {power}',
  'menu.grid': 'Grid {power}',
  'menu.house': 'House {power}',
  'menu.today': 'Today: {value}',
  'menu.todayBoth': 'Today: {charged}, {discharged}',
  'menu.charged': '{energy} charged',
  'menu.discharged': '{energy} discharged',
  'menu.temperature': 'Temperature: {value}',
  'menu.justNow': 'just now',
  'menu.minAgo': '{min} min ago',
  'menu.hAgo': '{h} h ago',
  'menu.hMinAgo': '{h} h {min} min ago',
  'menu.daysAgo': '{days} days ago',
  'menu.notUpdated': 'Not updated yet',
  'menu.updated': 'Updated {when}',
  'menu.updatedStale': 'Updated {age} – {why}',
  'menu.notStreaming': 'the battery is not streaming',
  'menu.noFresh': 'no fresh reading',
  'menu.switching': 'switching…',
  'menu.on': 'on',
  'menu.off': 'off',
  'menu.gcWaiting': 'Waiting for the battery to confirm the change',
  'menu.notKnownYet': 'Not known yet',
  'menu.confirmBelow': 'Confirm below',
  'menu.gcTipOn': 'Charge {where} from the grid: click, then confirm, to switch it on',
  'menu.gcTipOff': 'Charge {where} from the grid: click, then confirm, to switch it off',
  'menu.applying': ' (applying…)',
  'menu.numberTip': '{what} of {where}: click to change it on the settings page',
  'menu.turnOnGc': 'Turn on grid charging',
  'menu.turnOffGc': 'Turn off grid charging',
  'menu.switchOnNow': 'Switch grid charging of {where} on now',
  'menu.switchOffNow': 'Switch grid charging of {where} off now',
  'menu.leaveGc': 'Leave grid charging as it is',
  'menu.inputPower': 'Input power',
  'menu.inputPowerWhat': 'On-grid input power',
  'menu.reserve': 'Reserve',
  'menu.reserveWhat': 'Reserve state of charge',
  'menu.controlsTip': 'Grid charging, input power and reserve of the battery',
  'menu.controlsFeedTip': "EMS mode and power setpoint through the battery's own MQTT feed",
  'menu.unavailable': 'unavailable',
  'menu.controlsUnavailableTip': 'Battery control is not available right now',
  'menu.reading': 'reading…',
  'menu.notSupported': 'not supported',
  'menu.controlsReadingTip': 'Reading the battery settings from the Hoymiles cloud',
  'menu.controlsNoneTip': 'The Hoymiles cloud offers no battery settings for this station',
  'menu.publishTip': 'Send readings to the MQTT broker',
  'menu.autostartBlockedTip': 'Start at login is {why}',
  'menu.autostartTip': 'Start hoymiles-tray when you log in',
  'menu.settingOn': '{label} on',
  'menu.settingOff': '{label} off',
  'menu.confirmed': '✓ {setting} – confirmed by the battery at {time}',
  // Tooltip
  'tip.waiting': 'waiting for data',
  'tip.staleSince': 'stale since {time}',
  'tip.mqttOff': 'MQTT off',
  // Problem lines
  'problem.openSettings': 'open Settings',
  'problem.retryingAfter': 'retrying after {time}',
  'problem.retryingLater': 'retrying later',
  'problem.nextTryAfter': 'next try after {time}',
  'problem.retrying': 'retrying',
  'problem.noCredentials': 'No Hoymiles login',
  'problem.wrongPassword': 'Wrong Hoymiles password',
  'problem.dailyLimit': 'Daily login limit',
  'problem.loginPaused': 'Logins paused',
  'problem.locked': 'Hoymiles account locked',
  'problem.unlock': 'unlock it in S-Miles Home',
  'problem.rejected': 'Hoymiles rejected the login',
  'problem.update': 'update hoymiles-tray',
  'problem.unreachable': 'Cloud unreachable',
  'problem.cloudError': 'Hoymiles cloud error',
  'problem.noBattery': 'No MS-A2 battery found',
  'problem.unknown': 'Unknown problem',
  'problem.controlFailed': 'Battery control failed',
  // Notifications
  'notify.loginFailed': 'Hoymiles login failed',
  'notify.restored': 'Hoymiles connection restored',
  'notify.restoredText': 'Battery data is updating again.',
  'notify.low': 'Battery low: {soc}',
  'notify.lowText': '{name} is below {threshold} state of charge.',
  'notify.full': 'Battery full: {soc}',
  'notify.fullText': '{name} is fully charged.',
  'notify.confirmedText': '{name} confirmed the change.',
  'notify.notDone': '{setting}: not done',
  // --help
  'cli.help': `hoymiles-tray {version}: Hoymiles MS-A2 battery in the tray and in Home Assistant (MQTT).

Usage: hoymiles-tray [--headless | --once | --demo] [--settings] [--debug]

  (no flag)    tray app; opens the settings page on first start
  --headless   run the poll-and-publish loop in the foreground (servers)
  --once       poll once, print the readings as JSON, exit 1 on failure
  --demo       simulated battery and an embedded MQTT broker (with --headless: no tray)
  --settings   open the settings page of the running tray app (add --demo for the demo's)
  --debug      more log lines (same as DEBUG=true)

Environment (the original script's names work): HOYMILES_USER, HOYMILES_PASSWORD, MQTT_BROKER, MQTT_PORT,
MQTT_USER, MQTT_PASSWORD, MQTT_TOPIC, REQUEST_INTERVAL_SECONDS, STATION_DATA_INTERVAL, DEBUG, and
MQTT_URL, HOYMILES_API_URL, HOYMILES_TRAY_CONFIG_DIR, HOYMILES_SOURCE (cloud, native, both), NATIVE_DEVICES,
NATIVE_PUBLISH_SECONDS, HOYMILES_TRAY_LANG (en, de, auto). See README.md for all of them.
`,
} as const;

export type MessageKey = keyof typeof en;
/** A complete catalog: every key of the English one. */
export type Catalog = Record<MessageKey, string>;
