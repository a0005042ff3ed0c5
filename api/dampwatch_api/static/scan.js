/* Scan a sensor's code with the camera where the browser can read codes (BarcodeDetector);
   elsewhere the id is typed, or a handheld scanner types it into the focused box. */
(function () {
  "use strict";
  var button = document.getElementById("scan-button");
  var video = document.getElementById("scan-video");
  var field = document.querySelector("input[data-scan]");
  if (!button || !video || !field || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector();
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      function stop() { stream.getTracks().forEach(function (track) { track.stop(); }); video.hidden = true; }
      function look() {
        detector.detect(video).then(function (codes) {
          if (codes.length) { field.value = codes[0].rawValue.trim(); stop(); field.focus(); return; }
          window.requestAnimationFrame(look);
        }).catch(stop);
      }
      look();
    }).catch(function () { field.focus(); });
  });
}());
