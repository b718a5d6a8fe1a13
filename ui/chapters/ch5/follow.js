// Chapter 5's questions follow the explorer (ui/chapters/ch5/explorer.py mounts this).
// The explorer moves in the browser and leaves its head in window.__llmxCh5Moved; once the
// learner has stopped on a head other than the one the questions ask about (the same for
// two looks, 0.6 s apart), one message tells the server, which asks about that head.
export default function ({ data, setTriggerValue }) {
  let pending = null;
  let sent = null;
  const timer = setInterval(() => {
    const moved = window.__llmxCh5Moved;
    if (!moved || moved.opened !== data.opened) return;  // another explorer, or an old one
    const now = `${moved.layer}/${moved.head}/${moved.token}`;
    if (now === data.asked || now === sent) return;
    if (now !== pending) { pending = now; return; }  // still moving: wait for it to settle
    sent = now;
    setTriggerValue("moved", now);
  }, 600);
  return () => clearInterval(timer);
}
