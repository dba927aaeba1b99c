import type { Metadata, Viewport } from 'next';
import './globals.css';

export const metadata: Metadata = {
  title: 'SPADE Canvas',
  description: 'Paint a landscape together with labels; watch SPADE turn it into a picture.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1, themeColor: '#11151c' };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
