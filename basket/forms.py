from oscar.apps.basket import forms


class SavedLineForm(forms.SavedLineForm):
    def clean(self):
        # An id naming none of the customer's saved lines leaves an empty line,
        # whose product Oscar's check reads (a 500); the formset refuses it
        # (basket/formsets.py).
        if self.instance.pk is None:
            return self.cleaned_data
        return super().clean()
