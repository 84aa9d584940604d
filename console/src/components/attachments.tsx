import { Anchor, Modal, Text, UnstyledButton } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Attachment } from '../../../src/cases/cases.schemas.ts';

/**
 * Photos, voice notes and files that came with a message. They are decrypted with the thread, so
 * they are shown from data: URLs built here and never fetched from anywhere (CSP: img-src and
 * media-src allow data:). Only types the browser renders passively are shown inline: raster images
 * (the server re-encodes photos to JPEG, dropping their metadata) and audio; anything else is offered
 * as a download, never opened in the console.
 */
const INLINE_IMAGE = /^image\/(jpeg|png|webp|gif)$/;
const INLINE_AUDIO = /^audio\/(ogg|mpeg|mp4|aac|wav|x-wav|webm|amr)$/;
const MIME = /^[a-z]+\/[a-z0-9.+-]{1,100}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function dataUrl(a: Attachment): string | null {
  const mime = a.mime.toLowerCase();
  if (!MIME.test(mime) || !BASE64.test(a.data)) return null;
  return `data:${mime};base64,${a.data}`;
}

function sizeOf(a: Attachment): number {
  const pad = a.data.endsWith('==') ? 2 : a.data.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((a.data.length * 3) / 4) - pad);
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'text/plain': 'txt',
};

export function Attachments({ items }: { items: Attachment[] }) {
  return (
    <div className="wf-attachments" data-testid="attachments">
      {items.map((a, i) => (
        // Attachments have no id; their position in the message is stable.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <AttachmentView key={i} attachment={a} index={i + 1} />
      ))}
    </div>
  );
}

function AttachmentView({ attachment: a, index }: { attachment: Attachment; index: number }) {
  const { t } = useTranslation();
  const [zoomed, setZoomed] = useState(false);
  const url = dataUrl(a);
  const mime = a.mime.toLowerCase();
  const size = formatSize(sizeOf(a));

  if (url && a.kind === 'image' && INLINE_IMAGE.test(mime)) {
    const alt = t('request.attachments.image', { n: index });
    return (
      <>
        <UnstyledButton
          className="wf-thumb"
          onClick={() => setZoomed(true)}
          aria-label={t('request.attachments.enlarge', { n: index })}
          data-testid="attachment-image"
        >
          <img src={url} alt={alt} loading="lazy" />
        </UnstyledButton>
        <Modal opened={zoomed} onClose={() => setZoomed(false)} title={alt} size="xl" centered>
          <img src={url} alt={alt} className="wf-image-full" />
        </Modal>
      </>
    );
  }
  if (url && (a.kind === 'voice' || a.kind === 'audio') && INLINE_AUDIO.test(mime)) {
    const label =
      a.kind === 'voice'
        ? t('request.attachments.voice', { n: index })
        : t('request.attachments.audio', { n: index });
    return (
      <figure className="wf-audio" data-testid="attachment-audio">
        <figcaption>
          <Text size="xs" c="dimmed" span>
            {label} · {size}
          </Text>
        </figcaption>
        {/* biome-ignore lint/a11y/useMediaCaption: requester voice notes have no captions */}
        <audio controls preload="metadata" src={url} aria-label={label} />
      </figure>
    );
  }
  if (url) {
    const ext = EXTENSIONS[mime] ?? 'bin';
    return (
      <div className="wf-file" data-testid="attachment-file">
        <Anchor href={url} download={`attachment-${index}.${ext}`} size="sm">
          {t('request.attachments.download', { n: index, mime, size })}
        </Anchor>
        <Text size="xs" c="dimmed">
          {t('request.attachments.fileCaution')}
        </Text>
      </div>
    );
  }
  return (
    <Text size="xs" c="dimmed" data-testid="attachment-invalid">
      {t('request.attachments.invalid', { mime: a.mime.slice(0, 60) })}
    </Text>
  );
}
