/* Check-in at the gate: scan a ticket's QR code with the camera where the browser has
   BarcodeDetector, then send the form as if the code had been typed. Without it (or without a
   camera) the button stays hidden and the code is typed. */
(function () {
  'use strict';
  var form = document.getElementById('check-in-form');
  var button = document.getElementById('scan-button');
  if (!form || !button || !('BarcodeDetector' in window) || !navigator.mediaDevices ||
      !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var input = form.querySelector('input[name="code"]');
  var box = document.getElementById('scanner');
  var video = document.getElementById('scanner-video');
  var status = document.getElementById('scanner-status');
  var stream = null;
  var running = false;
  var detector;
  try {
    detector = new window.BarcodeDetector({formats: ['qr_code']});
  } catch (error) {
    return;
  }
  button.hidden = false;

  function stop() {
    running = false;
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    box.hidden = true;
    button.textContent = button.dataset.start;
  }

  function look() {
    if (!running) { return; }
    detector.detect(video).then(function (codes) {
      if (!running) { return; }
      if (codes.length && codes[0].rawValue) {
        input.value = codes[0].rawValue;
        stop();
        form.requestSubmit ? form.requestSubmit() : form.submit();
        return;
      }
      window.setTimeout(look, 200);
    }).catch(function () { window.setTimeout(look, 400); });
  }

  button.addEventListener('click', function () {
    if (running) { stop(); return; }
    navigator.mediaDevices.getUserMedia({video: {facingMode: 'environment'}, audio: false})
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        box.hidden = false;
        status.textContent = button.dataset.looking;
        button.textContent = button.dataset.stop;
        running = true;
        return video.play().then(look);
      })
      .catch(function () {
        stop();
        box.hidden = false;
        video.hidden = true;
        status.textContent = button.dataset.denied;
        input.focus();
      });
  });
  window.addEventListener('pagehide', stop);
}());
