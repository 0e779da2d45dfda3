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
        } else if (trigger.dataset.action === "close-window") {
            event.preventDefault();
            window.close();
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

    // A date field shows its date in the browser's own order (often mm/dd/yyyy),
    // which a reader in Pakistan takes for dd/mm/yyyy: say the date in words beside it.
    var inWords = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
    function describeDate(input) {
        var words = document.getElementById(input.id + "_in_words");
        if (!words) {
            words = document.createElement("span");
            words.id = input.id + "_in_words";
            words.className = "date-in-words";
            words.setAttribute("aria-live", "polite");
            input.insertAdjacentElement("afterend", words);
        }
        var date = input.valueAsDate;
        words.textContent = date ? inWords.format(date) : "";
    }
    document.querySelectorAll("input[type=date][id]").forEach(describeDate);
    document.addEventListener("input", function (event) {
        if (event.target.matches && event.target.matches("input[type=date][id]")) {
            describeDate(event.target);
        }
    });
})();
