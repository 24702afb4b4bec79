/* This file is part of PAKN 1022. The COPYRIGHT file at the top level of
   this repository contains the full copyright notices and license terms.

   Loaded by sao after its own script (make install copies it into sao). */
Sao.config.title = 'Tổng đài 1022';
