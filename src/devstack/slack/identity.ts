// The fake workspace's fixed IDs. The Web API stand-in answers auth.test with them and the signing helpers put them
// in the requests they send, so a bot under test sees one consistent workspace.
export const FAKE_WORKSPACE = {
  teamId: 'T0CARBON01',
  teamDomain: 'carbon254',
  teamName: '254Carbon',
  appId: 'A0CARBONOPS',
  botId: 'B0CARBONOPS',
  botUserId: 'U0CARBONBOT',
  botName: 'carbon-ops',
} as const;
