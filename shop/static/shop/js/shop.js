/* Behaviour that Oscar's templates put in inline on* attributes, which the
 * Content-Security-Policy forbids. Markup asks for it with data-action. */
(function () {
    "use strict";
    document.addEventListener("click", function (event) {
        var trigger = event.target.closest("[data-action]");
        if (!trigger) {
            return;
        }
        if (trigger.dataset.action === "history-back") {
            event.preventDefault();
            window.history.back();
        } else if (trigger.dataset.action === "print") {
            event.preventDefault();
            window.print();
        }
    });

    // Dashboard image fields: hide the upload button once a preview loads.
    function imageEvent(event) {
        var image = event.target;
        if (!(image instanceof HTMLImageElement) || !image.dataset.uploadButton) {
            return;
        }
        var button = document.getElementById(image.dataset.uploadButton);
        if (button) {
            button.style.display = event.type === "load" ? "none" : "";
        }
    }
    document.addEventListener("load", imageEvent, true);
    document.addEventListener("error", imageEvent, true);
})();
