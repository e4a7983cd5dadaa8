import { describe, expect, it, vi } from 'vitest';
import { CameraError } from './errors.js';
import { createWebcamSource, type WebcamState } from './webcam-source.js';

class FakeTrack extends EventTarget {
  stopped = false;
  stop() {
    this.stopped = true;
  }
}

function fakeStream(track = new FakeTrack()) {
  return { track, stream: { getTracks: () => [track], getVideoTracks: () => [track] } as unknown as MediaStream };
}

function fakeVideo() {
  return { srcObject: null as unknown, play: vi.fn(async () => undefined), remove: vi.fn() } as unknown as HTMLVideoElement;
}

function devices(getUserMedia: (c: MediaStreamConstraints) => Promise<MediaStream>): MediaDevices {
  return {
    getUserMedia,
    enumerateDevices: async () => [
      { kind: 'videoinput', deviceId: 'cam1', label: 'Cam 1' },
      { kind: 'audioinput', deviceId: 'mic', label: 'Mic' },
    ],
  } as unknown as MediaDevices;
}

describe('webcam source', () => {
  it('starts with the requested device and resolution, stops the tracks, and reports states', async () => {
    const { track, stream } = fakeStream();
    const gum = vi.fn(async (_constraints: MediaStreamConstraints) => stream);
    const video = fakeVideo();
    const source = createWebcamSource({ video, mediaDevices: devices(gum), deviceId: 'cam1', width: 320, height: 240 });
    const states: WebcamState[] = [];
    source.onStateChangedObservable.add((s) => states.push(s));
    await source.start();
    expect(source.state).toBe('running');
    expect(video.srcObject).toBe(stream);
    const constraints = gum.mock.calls[0][0];
    expect(constraints.video).toMatchObject({ deviceId: { exact: 'cam1' }, width: { ideal: 320 }, height: { ideal: 240 } });
    expect((await source.listCameras()).map((d) => d.deviceId)).toEqual(['cam1']);
    source.stop();
    expect(track.stopped).toBe(true);
    expect(video.srcObject).toBe(null);
    expect(states).toEqual(['starting', 'running', 'stopped']);
    source.dispose();
    source.dispose();
  });

  it.each([
    ['NotAllowedError', 'CAMERA_PERMISSION_DENIED'],
    ['NotFoundError', 'CAMERA_NOT_FOUND'],
    ['NotReadableError', 'CAMERA_IN_USE'],
  ])('maps %s to %s', async (name, code) => {
    const source = createWebcamSource({
      video: fakeVideo(),
      mediaDevices: devices(async () => {
        throw Object.assign(new Error('x'), { name });
      }),
    });
    await expect(source.start()).rejects.toMatchObject({ code });
    expect(source.state).toBe('error');
    expect(source.error).toBeInstanceOf(CameraError);
  });

  it('reports a camera unplugged while running', async () => {
    const { track, stream } = fakeStream();
    const source = createWebcamSource({ video: fakeVideo(), mediaDevices: devices(async () => stream) });
    await source.start();
    track.dispatchEvent(new Event('ended'));
    expect(source.state).toBe('error');
    expect(source.error?.code).toBe('CAMERA_DISCONNECTED');
  });

  it('reports browsers without getUserMedia', async () => {
    const source = createWebcamSource({ video: fakeVideo(), mediaDevices: {} as MediaDevices });
    await expect(source.start()).rejects.toMatchObject({ code: 'CAMERA_UNSUPPORTED' });
  });
});
