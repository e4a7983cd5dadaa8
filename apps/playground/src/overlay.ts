import type { FaceFrame } from '@prnet/babylon-plugin';

/** Draws the 68 landmarks and the face box over the webcam preview (undefined clears it). */
export function drawLandmarks(canvas: HTMLCanvasElement, video: HTMLVideoElement, frame: FaceFrame | undefined): void {
  if (canvas.width !== video.videoWidth || canvas.height !== video.videoHeight) {
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const face = frame?.face;
  if (!face) return;
  const [x0, y0, x1, y1] = face.box;
  ctx.strokeStyle = 'rgba(138, 180, 248, 0.8)';
  ctx.lineWidth = 1.5;
  ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
  ctx.fillStyle = '#7CFC00';
  const l = face.landmarks68;
  for (let i = 0; i < l.length; i += 3) {
    ctx.beginPath();
    ctx.arc(l[i], l[i + 1], 2, 0, Math.PI * 2);
    ctx.fill();
  }
}
