import { Navigate, createBrowserRouter } from 'react-router-dom';

import { ForgotPassword, SetPassword, SignIn, SignUp } from './screens/AuthScreens';
import { Layout } from './screens/Layout';

// Each screen is its own chunk, loaded when first opened: signing in loads none of them.
export const router = createBrowserRouter(
  [
    { path: '/signin', element: <SignIn /> },
    { path: '/signup', element: <SignUp /> },
    { path: '/reset', element: <ForgotPassword /> },
    { path: '/reset/:token', element: <SetPassword kind="reset" /> },
    { path: '/invite/:token', element: <SetPassword kind="invite" /> },
    {
      element: <Layout />,
      children: [
        { index: true, element: <Navigate to="/invoices" replace /> },
        {
          path: '/invoices',
          lazy: () => import('./screens/Invoices').then((m) => ({ Component: m.Invoices })),
        },
        {
          path: '/invoices/new',
          lazy: () => import('./screens/OneOffInvoice').then((m) => ({ Component: m.OneOffInvoice })),
        },
        {
          path: '/invoices/:id/edit',
          lazy: () => import('./screens/OneOffInvoice').then((m) => ({ Component: m.OneOffInvoice })),
        },
        {
          path: '/invoices/:id',
          lazy: () => import('./screens/InvoicePage').then((m) => ({ Component: m.InvoicePage })),
        },
        {
          path: '/organizations',
          lazy: () => import('./screens/Organizations').then((m) => ({ Component: m.Organizations })),
        },
        {
          path: '/organizations/new',
          lazy: () => import('./screens/Organizations').then((m) => ({ Component: m.OrganizationEdit })),
        },
        {
          path: '/organizations/:id',
          lazy: () => import('./screens/OrganizationPage').then((m) => ({ Component: m.OrganizationPage })),
        },
        {
          path: '/organizations/:id/edit',
          lazy: () => import('./screens/Organizations').then((m) => ({ Component: m.OrganizationEdit })),
        },
        {
          path: '/contracts/:id',
          lazy: () => import('./screens/ContractPage').then((m) => ({ Component: m.ContractPage })),
        },
        {
          path: '/bank',
          lazy: () => import('./screens/Bank').then((m) => ({ Component: m.Bank })),
        },
        {
          path: '/runs',
          lazy: () => import('./screens/RunsAndFees').then((m) => ({ Component: m.InvoicingRuns })),
        },
        {
          path: '/fees',
          lazy: () => import('./screens/RunsAndFees').then((m) => ({ Component: m.PlatformFees })),
        },
        {
          path: '/settings/invoicing',
          lazy: () => import('./screens/InvoicingSettings').then((m) => ({ Component: m.InvoicingSettings })),
        },
        {
          path: '/settings/payment-methods',
          lazy: () => import('./screens/PaymentMethods').then((m) => ({ Component: m.PaymentMethods })),
        },
        {
          path: '/settings/webhooks',
          lazy: () => import('./screens/Webhooks').then((m) => ({ Component: m.Webhooks })),
        },
        {
          path: '/settings/users',
          lazy: () => import('./screens/Users').then((m) => ({ Component: m.Users })),
        },
        { path: '*', element: <Navigate to="/invoices" replace /> },
      ],
    },
  ],
  { basename: '/app' },
);
