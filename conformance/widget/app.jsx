import React from 'react';
import { createRoot } from 'react-dom/client';
import { DynamicContextProvider, DynamicWidget, useDynamicContext, useIsLoggedIn, getAuthToken } from '@dynamic-labs/sdk-react-core';
import { EthereumWalletConnectors } from '@dynamic-labs/ethereum';

function Probe() {
  const ctx = useDynamicContext();
  const loggedIn = useIsLoggedIn();
  window.__dyn = { loggedIn, user: ctx.user, primaryWallet: ctx.primaryWallet, getAuthToken, logout: ctx.handleLogOut,
    network: ctx.network };
  return <div id="probe" data-logged-in={String(loggedIn)} data-address={ctx.primaryWallet?.address ?? ''} />;
}

const cfg = window.__widgetConfig;
createRoot(document.getElementById('root')).render(
  <DynamicContextProvider settings={{
    environmentId: cfg.environmentId,
    apiBaseUrl: cfg.apiBaseUrl,
    walletConnectors: [EthereumWalletConnectors],
    appName: 'Widget test',
    // the failures the widget reports to the application (authFailure)
    events: {
      onAuthFailure: (method, reason) => {
        const e = reason?.error ?? reason;
        (window.__authFailures ??= []).push({ provider: method?.provider, code: e?.code ?? String(e), message: e?.message ?? '' });
      },
    },
    // a test's own settings.social (say, {strategy: 'popup'})
    ...(cfg.social ? { social: cfg.social } : {}),
  }}>
    <DynamicWidget />
    <Probe />
  </DynamicContextProvider>,
);
