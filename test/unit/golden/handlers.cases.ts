import * as render from '../../../src/handlers/render.js';
import { goldenModule } from '../../support/golden.js';

export default [
  goldenModule('handlers', 'handlers/render.ts', render, {
    unreadableRequest: {
      'missing-text': () => render.unreadableRequest(['text']),
      'missing-user-and-channel': () => render.unreadableRequest(['user_id', 'channel_id']),
    },
    unknownButton: { clicked: () => render.unknownButton() },
    tooBusy: { backlog: () => render.tooBusy(1000) },
    unknownCommand: {
      other: () => render.unknownCommand('/deploy'),
      empty: () => render.unknownCommand(''),
    },
  }),
];
