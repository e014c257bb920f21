import { Text } from 'ink';
import { createContext, useContext, type ReactNode } from 'react';

/** Whether colour and emphasis are allowed (TTY, no NO_COLOR, no --no-color): decided once per view. */
export const ColorContext = createContext(true);

type InkColor = 'red' | 'yellow' | 'green' | 'cyan' | 'blue' | 'magenta' | 'gray' | 'white';

interface TxProps {
  fg?: InkColor;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
  wrap?: 'wrap' | 'truncate' | 'truncate-end' | 'truncate-middle';
  children?: ReactNode;
}

/** Text whose styling disappears entirely when colour is off, so NO_COLOR output has no escapes at all. */
export function Tx({ fg, bold, dim, inverse, wrap, children }: TxProps) {
  const color = useContext(ColorContext);
  if (!color) return <Text wrap={wrap}>{children}</Text>;
  return (
    <Text color={fg} bold={bold} dimColor={dim} inverse={inverse} wrap={wrap}>
      {children}
    </Text>
  );
}
