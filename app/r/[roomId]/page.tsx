import { notFound } from 'next/navigation';
import { isRoomId } from '@/lib/protocol';
import { RoomView } from '../../components/RoomView';

export default async function RoomPage({ params }: { params: Promise<{ roomId: string }> }) {
  const { roomId } = await params;
  if (!isRoomId(roomId)) notFound();
  return <RoomView roomId={roomId} />;
}
